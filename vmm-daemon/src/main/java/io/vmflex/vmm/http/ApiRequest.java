package io.vmflex.vmm.http;

import java.util.List;
import java.util.Map;

/**
 * An admin API request after HTTP parsing, detached from Netty so routes can be tested without a
 * socket.
 *
 * @param pathParams values of the {@code {name}} segments of the matched route
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, String contentType,
                         byte[] body, Map<String, String> pathParams, PeerCredentials peer) {

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public boolean queryFlag(String name) {
        String v = queryParam(name);
        return v != null && (v.isEmpty() || v.equals("true") || v.equals("1"));
    }

    public int queryInt(String name, int dflt) {
        String v = queryParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter " + name + ": expected an integer, got \"" + v + "\"");
        }
    }

    /** The media type without parameters, lower case; JSON when absent. */
    public String mediaType() {
        if (contentType == null || contentType.isBlank()) {
            return "application/json";
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** The caller as SO_PEERCRED reported it. */
    public record PeerCredentials(int pid, int uid, int gid) {
    }
}
