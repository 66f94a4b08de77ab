package io.canaryanalysis.alerts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.ProviderRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each service receives Flagger's payload byte-for-byte in shape (exact JSON, array order
 * included, as {@code pkg/notifier} v1.44.0 marshals it), and that payload has what the service's
 * documented incoming-webhook format requires.
 */
class AlertPayloadsWireMockTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ROLLBACK_FIELDS_SLACK = "["
      + "{\"title\":\"Cluster\",\"value\":\"prod-eu\",\"short\":false},"
      + "{\"title\":\"Target\",\"value\":\"Deployment/podinfo.test\",\"short\":false},"
      + "{\"title\":\"Failed checks threshold\",\"value\":\"3\",\"short\":false},"
      + "{\"title\":\"Progress deadline\",\"value\":\"600s\",\"short\":false},"
      + "{\"title\":\"Traffic routing\",\"value\":\"Weight step: 5 max: 50\",\"short\":false}]";

  private HttpAlertSender sender;

  @BeforeEach
  void stub() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  @AfterEach
  void close() {
    if (sender != null) {
      sender.close();
    }
  }

  private String hook(String path) {
    return WIREMOCK.baseUrl() + path;
  }

  private AlertDelivery send(AlertProviderConfig provider, SecretResolver secrets,
      io.canaryanalysis.api.CanaryAlert alert) {
    sender = HttpAlertSender.builder()
        .providers(AlertProviders.of(List.of(provider)))
        .secrets(secrets)
        .clusterName("prod-eu")
        .build();
    List<AlertDelivery> results = sender.deliver(alert);
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  private static JsonNode body(String path) throws Exception {
    var requests = WIREMOCK.findAll(postRequestedFor(urlPathEqualTo(path)));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getHeader("Content-Type")).startsWith("application/json");
    return MAPPER.readTree(requests.get(0).getBodyAsString());
  }

  @Test
  void slackGetsFlaggersAttachmentWithTokenFromTheSecret() throws Exception {
    String path = "/services/T000/B000/slack-hook";
    AlertProviderConfig slack = new AlertProviderConfig("on-call", "test", AlertProviderType.SLACK,
        "#deployments", null, null, null, "slack-url");
    SecretResolver secrets = (ns, name) -> ns.equals("test") && name.equals("slack-url")
        ? Optional.of(Map.of("address", hook(path), "token", "xoxb-token"))
        : Optional.empty();

    AlertDelivery result = send(slack, secrets, Alerts.rollback(new ProviderRef("on-call", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path))
        .withHeader("Authorization", equalTo("Bearer xoxb-token"))
        .withRequestBody(equalToJson("{\"channel\":\"#deployments\",\"username\":\"flagger\","
            + "\"icon_url\":\"\",\"icon_emoji\":\":rocket:\",\"attachments\":[{"
            + "\"color\":\"danger\",\"author_name\":\"podinfo.test\","
            + "\"text\":\"Failed checks threshold reached 3\",\"mrkdwn_in\":[\"text\"],"
            + "\"fields\":" + ROLLBACK_FIELDS_SLACK + "}]}", false, false)));

    // Slack's documented legacy attachment: a colour (good|warning|danger|hex), text, and
    // fields of {title, value, short:boolean}; channel and username override the hook's.
    JsonNode attachment = body(path).get("attachments").get(0);
    assertThat(attachment.get("color").asText()).matches("good|warning|danger|#[0-9A-Fa-f]{6}");
    assertThat(attachment.get("fields")).allSatisfy(f -> {
      assertThat(f.get("title").isTextual()).isTrue();
      assertThat(f.get("value").isTextual()).isTrue();
      assertThat(f.get("short").isBoolean()).isTrue();
    });
  }

  @Test
  void slackInfoIsGood() throws Exception {
    String path = "/services/T000/B000/info";
    send(AlertProviderConfig.of("slack", "test", AlertProviderType.SLACK, hook(path)),
        SecretResolver.none(), Alerts.promoted(new ProviderRef("slack", "test")));
    JsonNode body = body(path);
    assertThat(body.at("/attachments/0/color").asText()).isEqualTo("good");
    assertThat(body.at("/attachments/0/text").asText())
        .isEqualTo("Canary analysis completed successfully, promotion finished.");
    assertThat(body.at("/attachments/0/fields")).hasSize(1); // Cluster
    assertThat(body.has("text")).isFalse(); // omitempty in Flagger
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path)).withHeader("Authorization", absent()));
  }

  @Test
  void teamsGetsFlaggersMessageCard() throws Exception {
    String path = "/webhookb2/teams-hook/IncomingWebhook/abc";
    AlertDelivery result = send(
        AlertProviderConfig.of("teams", "test", AlertProviderType.MSTEAMS, hook(path)),
        SecretResolver.none(), Alerts.rollback(new ProviderRef("teams", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path)).withRequestBody(equalToJson("{"
        + "\"@type\":\"MessageCard\",\"@context\":\"http://schema.org/extensions\","
        + "\"themeColor\":\"FF0000\",\"summary\":\"podinfo.test\",\"sections\":[{"
        + "\"activityTitle\":\"Failed checks threshold reached 3\","
        + "\"activitySubtitle\":\"podinfo.test\",\"facts\":["
        + "{\"name\":\"Cluster\",\"value\":\"prod-eu\"},"
        + "{\"name\":\"Target\",\"value\":\"Deployment/podinfo.test\"},"
        + "{\"name\":\"Failed checks threshold\",\"value\":\"3\"},"
        + "{\"name\":\"Progress deadline\",\"value\":\"600s\"},"
        + "{\"name\":\"Traffic routing\",\"value\":\"Weight step: 5 max: 50\"}]}]}", false, false)));

    // The Office 365 connector card: @type MessageCard, and summary or text required;
    // themeColor is a hex colour without '#'; facts are {name, value}.
    JsonNode card = body(path);
    assertThat(card.get("@type").asText()).isEqualTo("MessageCard");
    assertThat(card.get("summary").asText()).isNotBlank();
    assertThat(card.get("themeColor").asText()).matches("[0-9A-F]{6}");
    assertThat(card.at("/sections/0/facts")).allSatisfy(f ->
        assertThat(f.fieldNames()).toIterable().containsExactly("name", "value"));
  }

  @Test
  void teamsInfoIsBlue() throws Exception {
    String path = "/webhookb2/info";
    send(AlertProviderConfig.of("teams", "test", AlertProviderType.MSTEAMS, hook(path)),
        SecretResolver.none(), Alerts.promoted(new ProviderRef("teams", null)));
    assertThat(body(path).get("themeColor").asText()).isEqualTo("0076D7");
  }

  @Test
  void discordGetsTheSlackPayloadOnItsSlackEndpoint() throws Exception {
    String path = "/api/webhooks/1234/discord-token";
    AlertDelivery result = send(new AlertProviderConfig("discord", "test",
            AlertProviderType.DISCORD, "canaries", "bot", hook(path + "/"), null, null),
        SecretResolver.none(), Alerts.rollback(new ProviderRef("discord", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path + "/slack")).withRequestBody(equalToJson(
        "{\"channel\":\"canaries\",\"username\":\"bot\",\"icon_url\":\"\","
            + "\"icon_emoji\":\":rocket:\",\"attachments\":[{\"color\":\"danger\","
            + "\"author_name\":\"podinfo.test\",\"text\":\"Failed checks threshold reached 3\","
            + "\"mrkdwn_in\":[\"text\"],\"fields\":" + ROLLBACK_FIELDS_SLACK + "}]}", false, false)));
  }

  @Test
  void discordHookThatAlreadyEndsInSlackIsKept() throws Exception {
    String path = "/api/webhooks/1234/discord-token/slack";
    send(AlertProviderConfig.of("discord", "test", AlertProviderType.DISCORD, hook(path)),
        SecretResolver.none(), Alerts.promoted(new ProviderRef("discord", null)));
    assertThat(body(path).at("/attachments/0/color").asText()).isEqualTo("good");
  }

  @Test
  void rocketGetsTheSlackShapeWithHexColours() throws Exception {
    String path = "/hooks/rocket-id/rocket-token";
    AlertDelivery result = send(
        AlertProviderConfig.of("rocket", "test", AlertProviderType.ROCKET, hook(path)),
        SecretResolver.none(), Alerts.rollback(new ProviderRef("rocket", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path)).withRequestBody(equalToJson(
        "{\"channel\":\"general\",\"username\":\"flagger\",\"icon_url\":\"\","
            + "\"icon_emoji\":\":rocket:\",\"attachments\":[{\"color\":\"#FF0000\","
            + "\"author_name\":\"podinfo.test\",\"text\":\"Failed checks threshold reached 3\","
            + "\"mrkdwn_in\":[\"text\"],\"fields\":" + ROLLBACK_FIELDS_SLACK + "}]}", false, false)));
    WIREMOCK.resetRequests();
    send(AlertProviderConfig.of("rocket", "test", AlertProviderType.ROCKET, hook(path)),
        SecretResolver.none(), Alerts.promoted(new ProviderRef("rocket", null)));
    // Rocket.Chat's incoming webhook takes Slack-style attachments with a CSS colour.
    assertThat(body(path).at("/attachments/0/color").asText()).isEqualTo("#0076D7");
  }

  @Test
  void googleChatGetsFlaggersCard() throws Exception {
    String path = "/v1/spaces/AAAA/messages";
    String hook = hook(path) + "?key=gchat-key&token=gchat-token";
    AlertDelivery result = send(
        AlertProviderConfig.of("gchat", "test", AlertProviderType.GCHAT, hook),
        SecretResolver.none(), Alerts.rollback(new ProviderRef("gchat", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path + "?key=gchat-key&token=gchat-token"))
        .withRequestBody(equalToJson("{\"cards\":[{\"header\":{\"title\":\"Flagger\","
            + "\"subtitle\":\"podinfo.test\",\"imageUrl\":\"https://flagger.app/favicon.png\"},"
            + "\"sections\":["
            + section("<font color=#848484><strong>Failed checks threshold reached 3</strong></font>")
            + "," + section("Cluster<br><font color=#848484><strong>prod-eu</strong></font>")
            + "," + section("Target<br><font color=#848484><strong>Deployment/podinfo.test</strong></font>")
            + "," + section("Failed checks threshold<br><font color=#848484><strong>3</strong></font>")
            + "," + section("Progress deadline<br><font color=#848484><strong>600s</strong></font>")
            + "," + section("Traffic routing<br><font color=#848484><strong>Weight step: 5 max: 50</strong></font>")
            + "]}]}", false, false)));

    // Google Chat's card message (v1 cards): header.title, sections[].widgets[] with one widget
    // kind each (textParagraph.text here).
    JsonNode card = body(path).at("/cards/0");
    assertThat(card.at("/header/title").asText()).isNotBlank();
    assertThat(card.get("sections")).allSatisfy(s -> {
      assertThat(s.get("widgets")).hasSize(1);
      assertThat(s.at("/widgets/0/textParagraph/text").isTextual()).isTrue();
    });
  }

  private static String section(String text) {
    return "{\"widgets\":[{\"textParagraph\":{\"text\":\"" + text + "\"}}]}";
  }

  @Test
  void genericWebhookGetsPlainJson() throws Exception {
    String path = "/alerts";
    SecretResolver secrets = (ns, name) -> Optional.of(Map.of("address", hook(path),
        "token", "generic-token"));
    AlertDelivery result = send(new AlertProviderConfig("hook", "test", AlertProviderType.GENERIC,
        null, null, null, null, "hook-secret"), secrets, Alerts.rollback(new ProviderRef("hook", null)));

    assertThat(result.delivered()).as(result.detail()).isTrue();
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path))
        .withHeader("Authorization", equalTo("Bearer generic-token"))
        .withRequestBody(equalToJson("{\"name\":\"podinfo\",\"namespace\":\"test\","
            + "\"severity\":\"error\",\"message\":\"Failed checks threshold reached 3\","
            + "\"fields\":[{\"name\":\"Cluster\",\"value\":\"prod-eu\"},"
            + "{\"name\":\"Target\",\"value\":\"Deployment/podinfo.test\"},"
            + "{\"name\":\"Failed checks threshold\",\"value\":\"3\"},"
            + "{\"name\":\"Progress deadline\",\"value\":\"600s\"},"
            + "{\"name\":\"Traffic routing\",\"value\":\"Weight step: 5 max: 50\"}],"
            + "\"timestamp\":\"2026-12-01T10:15:30Z\"}", false, false)));
  }

  @Test
  void tokenIsOnlySentWhereFlaggerSendsIt() {
    String path = "/webhookb2/with-token";
    SecretResolver secrets = (ns, name) -> Optional.of(Map.of("address", hook(path), "token", "t"));
    send(new AlertProviderConfig("teams", "test", AlertProviderType.MSTEAMS, null, null, null,
        null, "teams-secret"), secrets, Alerts.promoted(new ProviderRef("teams", null)));
    WIREMOCK.verify(postRequestedFor(urlEqualTo(path)).withHeader("Authorization", absent()));
  }
}
