package io.rocks.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.impl.DefaultFtpServer;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;

/**
 * Apache FtpServer (a plain, server-first server no one here wrote) on a free loopback port, with
 * one user, {@code alice}, who may write to a fresh home directory.
 */
final class ApacheFtpServer implements AutoCloseable {
  static final String USER = "alice";
  static final String PASSWORD = "wonderland";

  private final FtpServer server;
  private final Path home;
  private final int port;

  ApacheFtpServer(InetAddress address) throws IOException, FtpException {
    home = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "ftp-home-");
    ListenerFactory listener = new ListenerFactory();
    listener.setServerAddress(address.getHostAddress());
    listener.setPort(0);
    DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
    data.setPassiveAddress(address.getHostAddress());
    data.setActiveLocalAddress(address.getHostAddress());
    listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());

    UserManager users = new PropertiesUserManagerFactory().createUserManager();
    BaseUser alice = new BaseUser();
    alice.setName(USER);
    alice.setPassword(PASSWORD);
    alice.setHomeDirectory(home.toString());
    alice.setAuthorities(List.of(new WritePermission()));
    users.save(alice);

    FtpServerFactory factory = new FtpServerFactory();
    factory.addListener("default", listener.createListener());
    factory.setUserManager(users);
    server = factory.createServer();
    server.start();
    port = ((DefaultFtpServer) server).getListener("default").getPort();
  }

  int port() {
    return port;
  }

  /** The bytes of a file in alice's home directory, as the server stored them. */
  byte[] stored(String name) throws IOException {
    return Files.readAllBytes(home.resolve(name));
  }

  @Override
  public void close() {
    server.stop();
  }
}
