package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The package's one Jackson mapper (thread-safe once configured, so shared). */
final class QmpJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private QmpJson() {}
}
