package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * core/v1 Events about VirtualMachines from {@code vmflex-scheduler}, as kubectl describe shows them.
 * The same reason and message about the same VM is one Event whose count goes up (a patch), not a new
 * object each time: its name is derived from the VM's uid, the reason and the message. An Event that
 * cannot be written is logged and dropped: it never holds up a binding.
 *
 * <p>Thread-safe.
 */
public final class SchedulingEvents {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulingEvents.class);
    private static final int REMEMBERED = 4096;

    private final KubernetesClient client;
    private final Clock clock;
    private final String instance;
    /** Event name → count written, for the events this process wrote (oldest forgotten first). */
    private final Map<String, Integer> counts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > REMEMBERED;
        }
    };

    public SchedulingEvents(KubernetesClient client, Clock clock, String instance) {
        this.client = client;
        this.clock = clock;
        this.instance = instance;
    }

    public void normal(VmInfo vm, String reason, String message) {
        record(vm, "Normal", reason, message);
    }

    public void warning(VmInfo vm, String reason, String message) {
        record(vm, "Warning", reason, message);
    }

    private void record(VmInfo vm, String type, String reason, String message) {
        String name = vm.name().substring(0, Math.min(vm.name().length(), 200)) + "." + digest(vm.uid() + "\n" + reason + "\n" + message);
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        Integer seen;
        synchronized (counts) {
            seen = counts.get(name);
        }
        try {
            int count;
            if (seen == null) {
                count = createOrBump(vm, name, type, reason, message, now);
            } else {
                count = seen + 1;
                bump(vm.namespace(), name, count, now);
            }
            synchronized (counts) {
                counts.put(name, count);
            }
        } catch (KubernetesClientException e) {
            LOG.warn("event {} {} about {} not written: {}", type, reason, vm.key(), e.getMessage());
        }
    }

    private int createOrBump(VmInfo vm, String name, String type, String reason, String message, String now) {
        Event event = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(vm.namespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(VirtualMachine.API_VERSION)
                        .withKind(VirtualMachine.KIND).withNamespace(vm.namespace()).withName(vm.name())
                        .withUid(vm.uid()).withResourceVersion(vm.resourceVersion()).build())
                .withType(type).withReason(reason).withMessage(message)
                .withNewSource().withComponent(VmNodeContract.COMPONENT).endSource()
                .withReportingComponent(VmNodeContract.COMPONENT).withReportingInstance(instance)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(vm.namespace()).resource(event).create();
            return 1;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // written before by this scheduler's previous life or another replica: count it again
            bump(vm.namespace(), name, 2, now);
            return 2;
        }
    }

    private void bump(String namespace, String name, int count, String now) {
        // with a stand-in item, so fabric8 does not GET the Event first
        Event item = new EventBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().build();
        client.v1().events().inNamespace(namespace).resource(item).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
