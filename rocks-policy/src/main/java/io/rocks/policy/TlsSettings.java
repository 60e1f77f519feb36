package io.rocks.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the {@link SSLContext} of a {@code tls} block: a PKCS#12 key store (the server's
 * certificate, or a client certificate) and a PKCS#12 trust store (else the JDK's default trust).
 * Runs once, when the policy is loaded; every failure names the key and its file:line.
 */
final class TlsSettings {
  private TlsSettings() {}

  /** Returns the context, or null when {@code tls.enabled} is false. */
  static SSLContext context(Config scope, String path) {
    boolean enabled;
    try {
      enabled = scope.getBoolean("tls.enabled");
    } catch (ConfigException.WrongType e) {
      throw RocksSettings.bad(scope, path, "tls.enabled", "must be true or false");
    }
    if (!enabled) {
      return null;
    }
    try {
      KeyManagerFactory keys = null;
      String keyStore = scope.getString("tls.key-store");
      if (!keyStore.isEmpty()) {
        char[] password = scope.getString("tls.key-store-password").toCharArray();
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(scope, path, "tls.key-store", password), password);
      }
      TrustManagerFactory trust = null;
      String trustStore = scope.getString("tls.trust-store");
      if (!trustStore.isEmpty()) {
        char[] password = scope.getString("tls.trust-store-password").toCharArray();
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(scope, path, "tls.trust-store", password));
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keys == null ? null : keys.getKeyManagers(),
          trust == null ? null : trust.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException e) {
      throw RocksSettings.bad(scope, path, "tls", "cannot set up TLS: " + e.getMessage());
    }
  }

  private static KeyStore load(Config scope, String path, String key, char[] password) {
    Path file = Path.of(scope.getString(key));
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw RocksSettings.bad(scope, path, key, "cannot read key store " + file + ": " + e.getMessage());
    }
  }
}
