package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.policy.RocksPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Certificates made with the JDK's keytool for tests of rocks over TLS, and options using them. */
public final class TestCertificates {
  private TestCertificates() {}

  /**
   * Makes an EC key pair with a self-signed certificate in {@code keyStore} (with {@code extra}
   * keytool options), and a trust store {@code trustStore} holding that certificate; both PKCS#12
   * in {@code dir}, password "changeit".
   */
  static void make(Path dir, String alias, String dname, String keyStore, String trustStore, String... extra)
      throws Exception {
    String der = dir.resolve(alias + ".der").toString();
    List<String> generate = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", dname, "-validity", "2"));
    generate.addAll(List.of(extra));
    generate.addAll(List.of("-storetype", "PKCS12", "-keystore", dir.resolve(keyStore).toString(),
        "-storepass", "changeit", "-keypass", "changeit"));
    keytool(generate.toArray(String[]::new));
    keytool("-exportcert", "-alias", alias, "-keystore", dir.resolve(keyStore).toString(),
        "-storepass", "changeit", "-file", der);
    keytool("-importcert", "-noprompt", "-alias", alias, "-file", der,
        "-storetype", "PKCS12", "-keystore", dir.resolve(trustStore).toString(), "-storepass", "changeit");
  }

  /** Makes a server certificate for localhost in {@code dir} and returns server and client options. */
  static RockOptions[] serverAndClient(Path dir) throws Exception {
    make(dir, "rocks", "CN=localhost", "server.p12", "trust.p12", "-ext", "SAN=dns:localhost,ip:127.0.0.1");
    return new RockOptions[] {serverOptions(dir), clientOptions(dir)};
  }

  /** Options of a TLS server with the key store {@code server.p12} in {@code dir}. */
  static RockOptions serverOptions(Path dir) {
    return RocksPolicy.parse("rocks.tls { enabled = true, key-store = \"" + dir.resolve("server.p12")
        + "\", key-store-password = changeit }", "server.conf").defaults();
  }

  /** Options of a TLS client that trusts the certificate in {@code trust.p12} in {@code dir}. */
  static RockOptions clientOptions(Path dir) {
    return RocksPolicy.parse("rocks.tls { enabled = true, trust-store = \"" + dir.resolve("trust.p12")
        + "\", trust-store-password = changeit }", "client.conf").defaults();
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool finished");
    assertEquals(0, process.exitValue(), "keytool " + String.join(" ", args) + ": " + output);
  }
}
