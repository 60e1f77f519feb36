package example;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Fetches a URL with the JDK's {@link HttpClient} (built on NIO channels) and prints {@code bytes N
 * sha256 HEX} of the body. Any exception is printed with the word EXCEPTION, and the program exits 1.
 *
 * <p>Usage: {@code JdkHttpClientFetch URL}.
 */
public final class JdkHttpClientFetch {
  private JdkHttpClientFetch() {}

  public static void main(String[] args) {
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpResponse<byte[]> response =
          client.send(HttpRequest.newBuilder(URI.create(args[0])).build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = response.body();
      System.out.println("status " + response.statusCode() + " bytes " + body.length + " sha256 "
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    } catch (Exception e) {
      System.err.println("EXCEPTION in the fetch: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
