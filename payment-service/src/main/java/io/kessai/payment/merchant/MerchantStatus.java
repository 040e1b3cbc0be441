package io.kessai.payment.merchant;

import java.util.Optional;

/** A merchant's review state: it applies ({@code pending_review}), then ops make it {@code active} or
 * {@code rejected}; ops may freeze an active one ({@code frozen}) and unfreeze it.
 */
public enum MerchantStatus {

    PENDING_REVIEW("pending_review"), ACTIVE("active"), REJECTED("rejected"), FROZEN("frozen");

    private final String wire;

    MerchantStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<MerchantStatus> fromWire(String value) {
        for (MerchantStatus status : values()) {
            if (status.wire.equals(value)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
