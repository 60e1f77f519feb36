package io.rocks.interop;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;

/**
 * One FTP session with Apache Commons Net's {@link FTPClient}, through a given socket factory:
 * log in, upload a file, download it, log out. Returns the reply codes and what was downloaded.
 */
final class FtpSession {
  private FtpSession() {}

  /** What a session saw: every reply code in order, and the downloaded file's digest. */
  record Result(List<Integer> replies, String downloadedSha256) {}

  static Result run(
      SocketFactory sockets, InetAddress host, int port, boolean passive, String file, byte[] content)
      throws IOException {
    FTPClient ftp = new FTPClient();
    ftp.setSocketFactory(sockets);
    ftp.setConnectTimeout(5_000);
    ftp.setDefaultTimeout(10_000);
    ftp.setDataTimeout(Duration.ofSeconds(10));
    List<Integer> replies = new ArrayList<>();
    try {
      ftp.connect(host, port);
      replies.add(ftp.getReplyCode());
      check(ftp.login(ApacheFtpServer.USER, ApacheFtpServer.PASSWORD), ftp, "login");
      replies.add(ftp.getReplyCode());
      if (passive) {
        ftp.enterLocalPassiveMode();
      } else {
        ftp.enterLocalActiveMode();
      }
      check(ftp.setFileType(FTP.BINARY_FILE_TYPE), ftp, "TYPE I");
      replies.add(ftp.getReplyCode());
      check(ftp.storeFile(file, new ByteArrayInputStream(content)), ftp, "STOR");
      replies.add(ftp.getReplyCode());
      ByteArrayOutputStream downloaded = new ByteArrayOutputStream();
      check(ftp.retrieveFile(file, downloaded), ftp, "RETR");
      replies.add(ftp.getReplyCode());
      check(ftp.logout(), ftp, "QUIT");
      replies.add(ftp.getReplyCode());
      return new Result(replies, Digests.sha256(downloaded.toByteArray()));
    } finally {
      if (ftp.isConnected()) {
        ftp.disconnect();
      }
    }
  }

  private static void check(boolean ok, FTPClient ftp, String step) throws IOException {
    if (!ok) {
      throw new IOException(step + " failed: " + ftp.getReplyString().strip());
    }
  }
}
