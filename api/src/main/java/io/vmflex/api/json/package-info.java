/** Shared Jackson configuration for every vmflex wire document ({@link io.vmflex.api.json.ApiMapper}). */
package io.vmflex.api.json;
