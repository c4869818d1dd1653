package io.github.acrlogin.it;

import java.util.Optional;

/**
 * A managed identity of the emulated machine: the system-assigned one ({@code resourceId} empty) or a
 * user-assigned one, addressable by client id, object id or ARM resource id.
 */
public record ManagedIdentity(String tenantId, String clientId, String objectId, Optional<String> resourceId)
    implements Identity {}
