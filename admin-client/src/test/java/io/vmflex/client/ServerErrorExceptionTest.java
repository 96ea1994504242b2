package io.vmflex.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServerErrorExceptionTest {

    private static ServerErrorException of(int status, String body) {
        return ServerErrorException.of(new Response(status, "application/json", body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldReadLikeKubectlWhenBodyHasVmmdErrorShape() {
        assertEquals("Error from server (NotFound): virtualmachine \"x\" not found",
                of(404, FakeDaemon.error(404, "virtualmachine \"x\" not found")).getMessage());
    }

    @Test
    void shouldNameValidationErrorsInvalidWhenStatusIs422() {
        assertEquals("Error from server (Invalid): spec.guest.cpus.use: must be between min (1) and max (4), got 5",
                of(422, FakeDaemon.error(422, "spec.guest.cpus.use: must be between min (1) and max (4), got 5"))
                        .getMessage());
    }

    @Test
    void shouldFlattenToOneLineWhenBodyIsNotJson() {
        assertEquals("Error from server (InternalError): boom; at line 2",
                of(500, "boom\n  at line 2\n").getMessage());
    }

    @Test
    void shouldSayNoBodyWhenBodyIsEmpty() {
        assertEquals("Error from server (Forbidden): the server answered HTTP 403 with no body", of(403, "").getMessage());
    }

    @Test
    void shouldFallBackToStatusNumberWhenReasonUnknown() {
        assertEquals("HTTP 418", ServerErrorException.reason(418));
    }
}
