package example;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Fetches a URL with {@link HttpURLConnection} and prints {@code bytes N sha256 HEX} of the body,
 * with a line {@code received N MiB} on stderr after each MiB. Any exception is printed with the word EXCEPTION, and the program exits 1.
 *
 * <p>Usage: {@code HttpFetch URL}.
 */
public final class HttpFetch {
  private HttpFetch() {}

  public static void main(String[] args) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      long count = 0;
      try (InputStream body = connection.getInputStream()) {
        byte[] buffer = new byte[65536];
        for (int n; (n = body.read(buffer)) >= 0; ) {
          sha256.update(buffer, 0, n);
          if ((count + n) >> 20 > count >> 20) {
            System.err.println("received " + ((count + n) >> 20) + " MiB");
          }
          count += n;
        }
      }
      System.out.println("status " + connection.getResponseCode() + " bytes " + count + " sha256 "
          + HexFormat.of().formatHex(sha256.digest()));
    } catch (Exception e) {
      System.err.println("EXCEPTION in the fetch: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
