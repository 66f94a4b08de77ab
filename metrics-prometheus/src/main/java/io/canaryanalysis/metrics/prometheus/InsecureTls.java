package io.canaryanalysis.metrics.prometheus;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import okhttp3.OkHttpClient;

/** TLS without certificate or host name verification, for {@code insecureSkipVerify}. */
final class InsecureTls {
  private InsecureTls() {}

  static void apply(OkHttpClient.Builder builder) {
    X509ExtendedTrustManager trustAll = new TrustAll();
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new X509ExtendedTrustManager[] {trustAll}, new SecureRandom());
      builder.sslSocketFactory(context.getSocketFactory(), trustAll);
      builder.hostnameVerifier((hostname, session) -> true);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context for insecureSkipVerify", e);
    }
  }

  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
