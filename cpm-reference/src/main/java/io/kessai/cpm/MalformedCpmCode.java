package io.kessai.cpm;

/** Text that is not a Kessai customer-presented code: not 20 digits, or not of the scheme. */
public final class MalformedCpmCode extends IllegalArgumentException {

    public MalformedCpmCode(String reason) {
        super(reason);
    }
}
