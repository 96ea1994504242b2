package io.vmflex.api.permit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PermitCodecTest {

    static final long GIB = 1L << 30;
    static final ResourceAmount CU = new ResourceAmount(250, GIB);

    static final String VALID_REQUEST = """
            {"version":1,"vm":"pg-1","node":"node-1","seq":7,
             "current":{"cpuMillis":250,"memBytes":1073741824},
             "requested":{"cpuMillis":1000,"memBytes":4294967296},
             "unit":{"cpuMillis":250,"memBytes":1073741824},
             "lastPermit":{"cpuMillis":250,"memBytes":1073741824},
             "metrics":{"loadAvg1":1.5,"loadAvg5":0.5,"memUsageBytes":536870912}}""";

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static InvalidPermitMessageException requestError(String json) {
        return assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeRequest(utf8(json)));
    }

    /** {@link #VALID_REQUEST} with one textual replacement. */
    static String validWith(String from, String to) {
        String s = VALID_REQUEST.replace(from, to);
        assertFalse(s.equals(VALID_REQUEST), "replacement did not apply: " + from);
        return s;
    }

    @Test
    void shouldDecodeEveryFieldWhenRequestIsValid() {
        PermitRequest r = PermitCodec.decodeRequest(utf8(VALID_REQUEST));
        assertEquals(new PermitRequest(1, "pg-1", "node-1", 7, new ResourceAmount(250, GIB),
                new ResourceAmount(1000, 4 * GIB), CU, new ResourceAmount(250, GIB),
                new PermitMetrics(1.5, 0.5, 512L << 20)), r);
    }

    @Test
    void shouldRoundTripEveryMessageWhenEncodedThenDecoded() {
        PermitRequest minimal = PermitRequest.of("ns/pg-1", "node-1", 1, ResourceAmount.ZERO, CU, null);
        assertEquals(minimal, PermitCodec.decodeRequest(PermitCodec.encode(minimal)));
        PermitResponse response = new PermitResponse(1, CU, PermitOutcome.PARTIAL, "node-1 has 250m CPU free",
                new PermitResponse.Migrate("node-1 is above its watermark"));
        assertEquals(response, PermitCodec.decodeResponse(PermitCodec.encode(response)));
        PermitResponse plain = PermitResponse.of(CU, PermitOutcome.GRANTED, null);
        assertEquals(plain, PermitCodec.decodeResponse(PermitCodec.encode(plain)));
        NodeReport report = new NodeReport(1, "node-1", List.of(
                new NodeReport.VmReport("pg-1", CU, new ResourceAmount(4000, 16 * GIB), null, 0,
                        Instant.parse("2026-12-06T00:00:00Z"), true),
                new NodeReport.VmReport("pg-2", CU, CU, CU, 12, Instant.parse("2026-12-06T00:01:00Z"), false)));
        assertEquals(report, PermitCodec.decodeReport(PermitCodec.encode(report)));
    }

    @Test
    void shouldLeaveOutAbsentOptionalFieldsWhenEncoding() {
        String json = new String(PermitCodec.encode(PermitResponse.of(CU, PermitOutcome.GRANTED, null)),
                StandardCharsets.UTF_8);
        assertEquals("{\"version\":1,\"permit\":{\"cpuMillis\":250,\"memBytes\":1073741824},\"outcome\":\"granted\"}", json);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown top-level field     | "seq":7,                      | "seq":7,"extra":1,                | extra: unknown field
            unknown nested field        | "loadAvg5":0.5,               | "loadAvg5":0.5,"psi":1,           | metrics.psi: unknown field
            missing seq                 | "seq":7,                      | ''                                | seq: required
            missing nested field        | "current":{"cpuMillis":250,   | "current":{                       | current.cpuMillis: required
            null required object        | "requested":{"cpuMillis":1000,"memBytes":4294967296} | "requested":null | requested: required
            string for a number         | "seq":7                       | "seq":"7"                         | seq: expected an integer, got "7"
            float for an integer        | "seq":7                       | "seq":7.5                         | seq: expected an integer, got 7.5
            number for a string         | "vm":"pg-1"                   | "vm":12                           | vm: expected a string, got 12
            object for a number         | "seq":7                       | "seq":{}                          | seq: expected an integer, got an object
            negative amount             | "requested":{"cpuMillis":1000 | "requested":{"cpuMillis":-1       | requested.cpuMillis: must be between 0 and 10000000, got -1
            absurd amount               | "memBytes":4294967296         | "memBytes":9223372036854775807    | requested.memBytes: must be between 0 and 70368744177664, got 9223372036854775807
            number beyond long          | "seq":7                       | "seq":99999999999999999999999     | seq: Numeric value (99999999999999999999999) out of range of long (-9223372036854775808 - 9223372036854775807)
            zero seq                    | "seq":7                       | "seq":0                           | seq: must be between 1 and 9223372036854775807, got 0
            zero unit                   | "unit":{"cpuMillis":250       | "unit":{"cpuMillis":0             | unit: both cpuMillis and memBytes must be above 0, got 0 and 1073741824
            absurd load                 | "loadAvg1":1.5                | "loadAvg1":1e9                    | metrics.loadAvg1: must be a finite number between 0.0 and 1000000.0, got 1.0E9
            negative memory metric      | "memUsageBytes":536870912     | "memUsageBytes":-5                | metrics.memUsageBytes: must be between 0 and 70368744177664, got -5
            bad vm name                 | "vm":"pg-1"                   | "vm":"PG 1; rm"                   | vm: expected a name of at most 253 characters [a-z0-9.-] (optionally namespace/name), got "PG 1; rm"
            empty node name             | "node":"node-1"               | "node":""                         | node: expected a name of at most 253 characters [a-z0-9.-] (optionally namespace/name), got ""
            duplicate key               | "seq":7,                      | "seq":7,"seq":8,                  | malformed JSON for PermitRequest: Duplicate field 'seq'
            """)
    void shouldNameTheFieldWhenRequestIsMalformed(String what, String from, String to, String message) {
        assertEquals(message, requestError(validWith(from, to)).getMessage(), what);
    }

    @Test
    void shouldRefuseUnsupportedVersionBeforeLookingAtOtherFields() {
        var e = requestError("{\"version\":2,\"vm\":\"pg-1\",\"fieldOfVersion2\":true}");
        assertEquals("version", e.field());
        assertEquals("version: unsupported permit protocol version 2 (this side speaks 1)", e.getMessage());
        assertEquals("version: required", requestError("{\"vm\":\"pg-1\"}").getMessage());
        assertEquals("version: expected an integer, got \"1\"", requestError("{\"version\":\"1\"}").getMessage());
        assertEquals("version: expected an integer, got 1.0", requestError("{\"version\":1.0}").getMessage());
    }

    @Test
    void shouldRefuseBodyWhenOverTheCap() {
        String padded = VALID_REQUEST.replace("\"pg-1\"", "\"pg-1\"" + " ".repeat(PermitCodec.MAX_PERMIT_BODY));
        var e = requestError(padded);
        assertTrue(e.getMessage().startsWith("body of 65") && e.getMessage().endsWith("exceeds the 65536 byte cap"),
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty body        | ''              | empty body, expected a JSON object
            JSON null         | null            | expected a JSON object, got null
            a list            | [1,2]           | expected a JSON object, got array
            a string          | '"hi"'          | expected a JSON object, got string
            truncated         | '{"version":1,' | malformed JSON for PermitRequest:
            trailing garbage  | '{"version":1} x' | malformed JSON for PermitRequest:
            not JSON          | \u0000\u00ff    | malformed JSON for PermitRequest:
            """)
    void shouldRefuseWholeBodyWhenNotOneJsonObject(String what, String body, String messageStart) {
        var e = requestError(body);
        assertTrue(e.getMessage().startsWith(messageStart), what + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), what);
    }

    @Test
    void shouldNameTheEntryWhenNodeReportIsMalformed() {
        String vm = "{\"vm\":\"pg-%d\",\"use\":{\"cpuMillis\":%d,\"memBytes\":0},\"max\":{\"cpuMillis\":1000,\"memBytes\":0},"
                + "\"lastSeq\":0,\"createdAt\":\"2026-12-06T00:00:00Z\",\"autoMigration\":false}";
        String two = "{\"version\":1,\"node\":\"n1\",\"vms\":[" + vm.formatted(1, 250) + "," + vm.formatted(2, -3) + "]}";
        var e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(utf8(two)));
        assertEquals("vms[1].use.cpuMillis: must be between 0 and 10000000, got -3", e.getMessage());
        String dup = "{\"version\":1,\"node\":\"n1\",\"vms\":[" + vm.formatted(1, 250) + "," + vm.formatted(1, 250) + "]}";
        e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(utf8(dup)));
        assertEquals("vms[1].vm: duplicate VM \"pg-1\"", e.getMessage());
        String over = "{\"version\":1,\"node\":\"n1\",\"vms\":[" + vm.formatted(1, 2000) + "]}";
        e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(utf8(over)));
        assertEquals("vms[0].use: must not exceed max (1000m CPU, 0 MiB), got 2000m CPU, 0 MiB", e.getMessage());
        String badTime = "{\"version\":1,\"node\":\"n1\",\"vms\":[" + vm.formatted(1, 250).replace("2026-12-06T00:00:00Z", "yesterday") + "]}";
        e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(utf8(badTime)));
        assertTrue(e.getMessage().startsWith("vms[0].createdAt: "), e.getMessage());
    }

    @Test
    void shouldRefuseDeepNestingWithOneLine() {
        String deep = "{\"version\":1,\"metrics\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        var e = requestError(deep);
        assertTrue(e.getMessage().startsWith("body exceeds a nesting or length limit: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void shouldRefuseNodeReportWhenItListsTooManyVmsOrIsOverItsCap() {
        String vm = "{\"vm\":\"pg-%d\",\"use\":{\"cpuMillis\":0,\"memBytes\":0},\"max\":{\"cpuMillis\":0,"
                + "\"memBytes\":0},\"lastSeq\":0,\"createdAt\":\"2026-12-06T00:00:00Z\",\"autoMigration\":false}";
        StringBuilder sb = new StringBuilder("{\"version\":1,\"node\":\"n1\",\"vms\":[");
        for (int i = 0; i <= NodeReport.MAX_VMS; i++) {
            sb.append(i == 0 ? "" : ",").append(vm.formatted(i));
        }
        String many = sb.append("]}").toString();
        var e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(utf8(many)));
        assertEquals("vms: at most 4096 entries, got 4097", e.getMessage());
        byte[] huge = new byte[PermitCodec.MAX_REPORT_BODY + 1];
        e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeReport(huge));
        assertEquals("body of 1048577 bytes exceeds the 1048576 byte cap", e.getMessage());
    }

    @Test
    void shouldRefuseUnknownOutcomeWhenDecodingResponse() {
        var e = assertThrows(InvalidPermitMessageException.class, () -> PermitCodec.decodeResponse(utf8(
                "{\"version\":1,\"permit\":{\"cpuMillis\":0,\"memBytes\":0},\"outcome\":\"maybe\"}")));
        assertTrue(e.getMessage().startsWith("outcome: "), e.getMessage());
    }

    @Test
    void shouldGiveTheSameErrorWhenBuiltInProcess() {
        var e = assertThrows(InvalidPermitMessageException.class,
                () -> PermitRequest.of("pg-1", "node-1", 0, CU, CU, CU));
        assertEquals("seq: must be between 1 and 9223372036854775807, got 0", e.getMessage());
    }
}
