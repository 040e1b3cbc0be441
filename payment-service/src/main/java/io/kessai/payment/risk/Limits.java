package io.kessai.payment.risk;

import java.time.ZoneId;

/** The calendar the limits count in. */
public final class Limits {

    /** Business days are Japanese days, whatever the servers' zone. */
    public static final ZoneId BUSINESS_ZONE = ZoneId.of("Asia/Tokyo");

    private Limits() {
    }
}
