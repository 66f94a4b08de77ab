package io.canaryanalysis.metrics.prometheus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP/1.1 server on loopback that answers every request with a status line, headers and
 * then whatever {@link Body} writes, for as long as it likes: endless chunked bodies and gzip
 * bombs that no real Prometheus sends on demand. Counts the bytes it wrote.
 */
final class RawHttpServer implements AutoCloseable {
  /** Writes the response body; may write forever (it stops when the client hangs up). */
  @FunctionalInterface
  interface Body {
    void write(OutputStream out) throws IOException;
  }

  private final ServerSocket socket;
  private final Thread thread;
  private final AtomicLong written = new AtomicLong();

  RawHttpServer(String headers, Body body) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    thread = new Thread(() -> serve(headers, body), "raw-http-server");
    thread.setDaemon(true);
    thread.start();
  }

  String address() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  /** Body bytes written to the socket so far (before any compression the body applies itself). */
  long written() {
    return written.get();
  }

  private void serve(String headers, Body body) {
    while (!socket.isClosed()) {
      try (Socket client = socket.accept()) {
        InputStream in = client.getInputStream();
        byte[] buf = new byte[8192];
        StringBuilder request = new StringBuilder();
        while (!request.toString().contains("\r\n\r\n")) {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          request.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\n" + headers + "Connection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        body.write(new CountingStream(out));
        out.flush();
      } catch (IOException e) {
        // the client hung up, as it should on a hostile body
      }
    }
  }

  private final class CountingStream extends OutputStream {
    private final OutputStream out;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      written.incrementAndGet();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      written.addAndGet(len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
