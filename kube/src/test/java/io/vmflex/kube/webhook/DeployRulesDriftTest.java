package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmflex.kube.testing.NodeAccount;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The node daemon's and the scheduler's tests run them as their service accounts with exactly the
 * rules of {@link NodeAccount#RULES} and {@code scheduler-rbac.yaml}, which proves those verbs
 * enough; the roles {@code deploy/} installs must be exactly them, neither less nor more.
 */
class DeployRulesDriftTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The rules of every ClusterRole and every Role in a multi-document YAML text, per kind in document order. */
    private static Map<String, JsonNode> roles(String yaml) throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                String kind = doc.path("kind").asText();
                if (kind.equals("ClusterRole") || kind.equals("Role")) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) out.computeIfAbsent(kind, k -> YAML.createArrayNode()))
                            .add(doc.path("rules"));
                }
            }
        }
        return out;
    }

    @Test
    void shouldInstallTheNodeDaemonWithTheRulesItsTestsRunWith() throws IOException {
        Map<String, JsonNode> installed = roles(Files.readString(Path.of("../deploy/rbac/node.yaml")));
        assertEquals(YAML.readTree(NodeAccount.RULES), installed.get("ClusterRole").get(0), "deploy/rbac/node.yaml against NodeAccount.RULES");
        assertEquals(YAML.readTree(NodeAccount.NAMESPACE_RULES), installed.get("Role").get(0),
                "deploy/rbac/node.yaml's Role in vmflex-system against NodeAccount.NAMESPACE_RULES");
    }

    @Test
    void shouldInstallTheSchedulerWithTheRulesItsTestsRunWith() throws IOException {
        String tested;
        try (InputStream in = getClass().getResourceAsStream("/scheduler-rbac.yaml")) {
            assertNotNull(in, "scheduler-rbac.yaml on the test class path");
            tested = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertEquals(roles(tested), roles(Files.readString(Path.of("../deploy/rbac/scheduler.yaml"))),
                "deploy/rbac/scheduler.yaml against kube/src/test/resources/scheduler-rbac.yaml");
    }
}
