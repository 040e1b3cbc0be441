package io.kessai.payment.merchant;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a merchant owner applies with. The display name (at most 25 characters) and city (at most 15) are printed in the
 * QR code (tags 59 and 60), so the service checks them by the QR codec's own rules ({@code MpmCode.isDisplayable}).
 */
@Schema(example = """
        {"legalName": "株式会社かもめ食堂", "displayName": "Kamome Shokudo", "city": "Tokyo", "categoryCode": "5812",
         "stores": [{"name": "Shibuya"}, {"name": "Ebisu"}]}""")
public record MerchantApplication(
        @NotBlank @Size(max = 100) String legalName,
        @NotBlank String displayName,
        @NotBlank String city,
        @NotNull @Pattern(regexp = "[0-9]{4}", message = "must be a 4-digit ISO 18245 merchant category code") String categoryCode,
        @NotEmpty List<@NotNull @Valid Store> stores) {

    public record Store(@NotBlank @Size(max = 50) String name) {
    }
}
