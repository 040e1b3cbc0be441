package io.kessai.cpm;

/**
 * A customer-presented code read into its parts ({@link CpmCodes#parse}).
 *
 * @param deviceReference which payment key made it (the server finds the key by it)
 * @param counter what the app counted for it, 0 to 99
 * @param otp the eight one-time digits
 */
public record CpmCode(int deviceReference, int counter, String otp) {
}
