package example;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HexFormat;

/**
 * Runs a long query through JDBC, fetching its rows in batches of 1,000 from a cursor, and prints
 * {@code rows N sha256 HEX} of the lines {@code i,md5(i)} it read; a line {@code rows N} goes to
 * stderr after each 20,000. Any exception is printed with the word EXCEPTION, and the program exits
 * 1.
 *
 * <p>Usage: {@code JdbcQuery JDBC-URL ROWS}.
 */
public final class JdbcQuery {
  private JdbcQuery() {}

  public static void main(String[] args) {
    try (Connection connection = DriverManager.getConnection(args[0])) {
      connection.setAutoCommit(false);
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      long rows = 0;
      try (PreparedStatement query =
          connection.prepareStatement("SELECT i, md5(i::text) FROM generate_series(1, ?) AS i ORDER BY i")) {
        query.setLong(1, Long.parseLong(args[1]));
        query.setFetchSize(1000);
        try (ResultSet result = query.executeQuery()) {
          while (result.next()) {
            sha256.update((result.getLong(1) + "," + result.getString(2) + "\n").getBytes(StandardCharsets.US_ASCII));
            if (++rows % 20_000 == 0) {
              System.err.println("rows " + rows);
            }
          }
        }
      }
      connection.commit();
      System.out.println("rows " + rows + " sha256 " + HexFormat.of().formatHex(sha256.digest()));
    } catch (Exception e) {
      System.err.println("EXCEPTION in the query: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
