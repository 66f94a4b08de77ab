package io.canaryanalysis.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertProviderConfigTest {
  @Test
  void readsAnAlertProviderSpecWithFlaggersDefaults() {
    AlertProviderConfig config = AlertProviderConfig.fromManifest("on-call", "flagger-system",
        Map.of("type", "slack", "secretRef", Map.of("name", "slack-url")));
    assertThat(config.type()).isEqualTo(AlertProviderType.SLACK);
    assertThat(config.channel()).isEqualTo("general");
    assertThat(config.username()).isEqualTo("flagger");
    assertThat(config.secretRef()).isEqualTo("slack-url");
    assertThat(config.address()).isNull();
    assertThat(config.key()).isEqualTo("flagger-system/on-call");

    AlertProviderConfig teams = AlertProviderConfig.fromManifest("teams", "test", Map.of(
        "type", "msteams", "address", " https://example.webhook.office.com/hook ",
        "channel", "ops", "username", "bot", "proxy", "http://proxy:3128"));
    assertThat(teams.address()).isEqualTo("https://example.webhook.office.com/hook");
    assertThat(teams.channel()).isEqualTo("ops");
    assertThat(teams.username()).isEqualTo("bot");
    assertThat(teams.proxy()).isEqualTo("http://proxy:3128");
  }

  @Test
  void reportsProblemsByFieldWithoutTheAddress() {
    assertThatThrownBy(() -> AlertProviderConfig.fromManifest("p", "test",
        Map.of("type", "pagerduty", "address", "https://secret.example/abc")))
        .hasMessage("alert provider test/p: spec.type: unsupported alert provider type "
            + "\"pagerduty\" (slack, msteams, discord, rocket, gchat or generic)");
    assertThatThrownBy(() -> AlertProviderConfig.fromManifest("p", "test", Map.of("address", "x")))
        .hasMessage("alert provider test/p: spec.type is required");
    assertThatThrownBy(() -> AlertProviderConfig.fromManifest("p", "test", Map.of("type", "slack")))
        .hasMessage("alert provider test/p: spec.address or spec.secretRef is required");
    assertThatThrownBy(() -> AlertProviderConfig.fromManifest("p", "test",
        Map.of("type", "slack", "secretRef", Map.of())))
        .hasMessage("alert provider test/p: spec.secretRef.name is required");
    assertThatThrownBy(() -> AlertProviderConfig.fromManifest("p", "test",
        Map.of("type", "slack", "address", 42)))
        .hasMessage("alert provider test/p: spec.address: must be a string");
  }

  @Test
  void everyTypeRoundTripsThroughItsManifestValue() {
    for (AlertProviderType type : AlertProviderType.values()) {
      assertThat(AlertProviderType.fromManifest(type.manifestValue())).contains(type);
    }
    assertThat(AlertProviderType.fromManifest("Slack")).isEmpty();
  }
}
