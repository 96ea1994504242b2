package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmflex.kube.testing.NodeAccount;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The node daemon's tests run it with {@link NodeAccount#RULES} and nothing more, which proves those
 * verbs enough; the ClusterRole that {@code deploy/} installs must be exactly them.
 */
class NodeRulesDriftTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void shouldInstallTheNodeDaemonWithTheRulesItsTestsRunWith() throws IOException {
        JsonNode tested = YAML.readTree(NodeAccount.RULES);
        try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(Path.of("../deploy/rbac/node.yaml")))) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("ClusterRole".equals(doc.path("kind").asText())) {
                    assertEquals(tested, doc.path("rules"), "deploy/rbac/node.yaml against NodeAccount.RULES");
                    return;
                }
            }
        }
        fail("no ClusterRole in deploy/rbac/node.yaml");
    }
}
