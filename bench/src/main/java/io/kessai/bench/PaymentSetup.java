package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * Sets up what the payments benchmark pays with, through the services' own APIs: merchant owners' applications
 * ({@code POST /v1/merchants}, one store each), ops' approvals, the merchants' ledger accounts that payment-service's
 * outbox opens, each store's static code as its owner reads it to print, a till credential per store, the payment keys
 * of the devices that show codes, and the customers' wallets and top-ups.
 */
final class PaymentSetup {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long payment-service's outbox may take to deliver what an approval sets off for every merchant: its ledger
     * account at wallet-service, its owner's holding at auth-service.
     */
    private static final Duration OUTBOX_WAIT = Duration.ofMinutes(3);

    /** A merchant ready to be paid: its ids and the static code of its one store. */
    record Merchant(String id, String storeId, String payload) {
    }

    /** A till's client credentials, as auth-service shows them once when the owner makes the till. */
    record TillCredential(String clientId, String clientSecret) {
    }

    /** How much to set up: customers paying with the app (MPM) and with codes (CPM, 0 for none), owners, merchants. */
    record Sizes(int customers, int cpmCustomers, int owners, int merchants, long fundingYen, int parallelism) {
    }

    /**
     * What the loads pay with: signed-in customers (tokens kept fresh until closed) and who they are, merchants, their tills'
     * credentials and the CPM devices (null without CPM customers).
     */
    record Fixture(FreshTokens customers, AuthUsers customerUsers, List<Merchant> merchants,
            List<TillCredential> tills, CpmDevices devices, double seconds) {
    }

    private final HttpClient http;
    private final LocalStack stack;
    private final int parallelism;

    PaymentSetup(HttpClient http, LocalStack stack, int parallelism) {
        this.http = http;
        this.stack = stack;
        this.parallelism = parallelism;
    }

    /**
     * Customers, owners and merchants, and for CPM the devices' payment keys and the merchants' tills, through the
     * services' APIs. Owners and CPM customers are signed in only while they set up: their tokens are not renewed
     * afterwards. {@code jvmOptions}: the services', whose Argon2id cost the users' password hashes match.
     */
    static Fixture prepare(HttpClient http, LocalStack stack, PostgresServer postgres, Sizes sizes,
            List<String> jvmOptions) throws Exception {
        String passwordHash = Argon2id.hash(AuthUsers.PASSWORD, Argon2id.Cost.of(jvmOptions));
        long startNs = System.nanoTime();
        System.out.printf("Setting up %,d customers, %,d customers paying with codes (CPM), %,d merchant owners and"
                + " %,d merchants ...%n", sizes.customers(), sizes.cpmCustomers(), sizes.owners(), sizes.merchants());
        URI auth = stack.url(Service.AUTH);
        AuthNonce nonce = new AuthNonce(http, auth.resolve("/v1/sessions"));
        StepUps stepUps = new StepUps(http, stack);
        PaymentSetup setup = new PaymentSetup(http, stack, sizes.parallelism());
        AuthUsers customerUsers = AuthUsers.create(postgres, sizes.customers(), passwordHash,
                AuthUsers.AccountType.CUSTOMER);
        AuthUsers ownerUsers = AuthUsers.create(postgres, sizes.owners(), passwordHash,
                AuthUsers.AccountType.MERCHANT_OWNER);
        FreshTokens customers = FreshTokens.signIn(http, auth, customerUsers, nonce, sizes.parallelism());
        try {
            List<Merchant> merchants;
            List<TillCredential> tills = List.of();
            try (FreshTokens owners = FreshTokens.signIn(http, auth, ownerUsers, nonce, sizes.parallelism())) {
                System.out.printf("  signed in %,d customers and %,d owners at auth-service%n", customers.count(),
                        owners.count());
                merchants = setup.merchants(sizes.merchants(), owners);
                if (sizes.cpmCustomers() > 0) {
                    tills = setup.tills(merchants, owners, ownerUsers, stepUps);
                    System.out.printf("  %,d tills made by their owners (after a step-up each)%n", tills.size());
                }
            }
            setup.fundCustomers(customers, sizes.fundingYen());
            CpmDevices devices = null;
            if (sizes.cpmCustomers() > 0) {
                AuthUsers cpmUsers = AuthUsers.create(postgres, sizes.cpmCustomers(), passwordHash,
                        AuthUsers.AccountType.CPM_CUSTOMER);
                try (FreshTokens cpm = FreshTokens.signIn(http, auth, cpmUsers, nonce, sizes.parallelism())) {
                    devices = setup.paymentKeys(cpm, cpmUsers, stepUps);
                    setup.fundCustomers(cpm, sizes.fundingYen());
                }
                System.out.printf("  %,d devices hold a payment key (issued after a step-up each)%n",
                        devices.count());
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            System.out.printf("Set up in %.1f s.%n", seconds);
            return new Fixture(customers, customerUsers, merchants, tills, devices, seconds);
        } catch (Exception | Error failed) {
            customers.close();
            throw failed;
        }
    }

    /**
     * Applies for {@code count} merchants, owner {@code n % owners} holding merchant {@code n}, approves them as ops,
     * waits until wallet-service has each one's account, and reads each store's static code as its owner.
     */
    List<Merchant> merchants(int count, FreshTokens owners) throws Exception {
        URI payment = stack.url(Service.PAYMENT);
        ServiceToken ops = new ServiceToken(http, stack.url(Service.AUTH), LocalStack.OPS_CLIENT,
                stack.opsClientSecret());
        List<String[]> applied = Parallel.run(count, parallelism, n -> {
            String owner = owners.authorization(n % owners.count());
            String name = String.format(Locale.ROOT, "BENCH M%04d", n);
            String body = """
                    {"legalName":"Bench merchant %d K.K.","displayName":"%s","city":"TOKYO","categoryCode":"5812",\
                    "stores":[{"name":"%s store"}]}""".formatted(n, name, name);
            HttpResponse<String> answer = send(post(payment.resolve("/v1/merchants"), owner, body)
                    .header("Idempotency-Key", "bench-merchant-" + n).build());
            expect(answer, 201, 200);
            String merchant = Json.field(answer.body(), "id");
            String store = Json.field(answer.body().substring(answer.body().indexOf("\"stores\"")), "id");
            expect(send(post(payment.resolve("/v1/ops/merchants/" + merchant + "/approval"), ops.authorization(),
                    "").build()), 200);
            return new String[]{merchant, store};
        });
        System.out.printf("  %,d merchants applied for and approved; waiting for their ledger accounts ...%n", count);
        awaitLedgerAccounts(applied.stream().map(ids -> ids[0]).toList());
        return Parallel.run(count, parallelism, n -> {
            String[] ids = applied.get(n);
            HttpResponse<String> answer = send(HttpRequest.newBuilder(payment.resolve(
                    "/v1/merchants/" + ids[0] + "/stores/" + ids[1] + "/code")).timeout(REQUEST_TIMEOUT)
                    .header("Authorization", owners.authorization(n % owners.count())).GET().build());
            expect(answer, 200);
            return new Merchant(ids[0], ids[1], Json.field(answer.body(), "payload"));
        });
    }

    /**
     * Makes one till credential for each merchant's store, as its owner does (with a step-up token), once auth-service
     * holds the approved merchant (payment-service's outbox tells it).
     */
    List<TillCredential> tills(List<Merchant> merchants, FreshTokens owners, AuthUsers ownerUsers, StepUps stepUps)
            throws Exception {
        URI auth = stack.url(Service.AUTH);
        awaitEach(merchants.size(), n -> {
            HttpResponse<String> answer = send(HttpRequest.newBuilder(auth.resolve(tills(merchants.get(n))))
                    .timeout(REQUEST_TIMEOUT).header("Authorization", owners.authorization(n % owners.count()))
                    .GET().build());
            expect(answer, 200, 404); // 404 merchant-not-found: auth-service does not hold it yet
            return answer.statusCode() == 200;
        }, n -> "auth-service does not hold merchant " + merchants.get(n).id());
        // A step-up lives 5 minutes: one for each owner, for all of its tills.
        List<String> steppedUp = Parallel.run(owners.count(), parallelism,
                n -> stepUps.token(owners.authorization(n), ownerUsers.phone(n)));
        return Parallel.run(merchants.size(), parallelism, n -> {
            Merchant merchant = merchants.get(n);
            HttpResponse<String> answer = send(post(auth.resolve(tills(merchant)), steppedUp.get(n % owners.count()),
                    """
                            {"storeId":"%s","terminalId":"bench-till","label":"Bench till"}""".formatted(
                            merchant.storeId()))
                    .build());
            expect(answer, 201);
            return new TillCredential(Json.field(answer.body(), "clientId"), Json.field(answer.body(),
                    "clientSecret"));
        });
    }

    /**
     * Issues a payment key to each customer's device, as the app asks for one after a step-up
     * ({@code POST /v1/payment-keys}): the devices that show codes, with their keys as issued.
     */
    CpmDevices paymentKeys(FreshTokens customers, AuthUsers users, StepUps stepUps) throws Exception {
        URI payment = stack.url(Service.PAYMENT);
        List<String[]> issued = Parallel.run(customers.count(), parallelism, n -> {
            String steppedUp = stepUps.token(customers.authorization(n), users.phone(n));
            HttpResponse<String> answer = send(post(payment.resolve("/v1/payment-keys"), steppedUp, "").build());
            expect(answer, 201);
            return new String[]{Json.field(answer.body(), "secret"), Json.field(answer.body(), "deviceReference"),
                    Json.field(answer.body(), "stepSeconds")};
        });
        List<CpmDevices.Device> devices = new java.util.ArrayList<>();
        for (int n = 0; n < issued.size(); n++) {
            devices.add(new CpmDevices.Device(customers.subject(n), Base64.getUrlDecoder().decode(issued.get(n)[0]),
                    Integer.parseInt(issued.get(n)[1])));
        }
        return new CpmDevices(devices, Duration.ofSeconds(Long.parseLong(issued.getFirst()[2])));
    }

    /**
     * Opens each customer's wallet as auth-service's outbox does on activation (the users were written straight into
     * auth-service's database, see {@link AuthUsers}) and tops it up with {@code fundingYen}.
     */
    void fundCustomers(FreshTokens customers, long fundingYen) throws Exception {
        ServiceToken opener = new ServiceToken(http, stack.url(Service.AUTH), Service.AUTH.module(),
                stack.clientSecret(Service.AUTH));
        ServiceToken payments = new ServiceToken(http, stack.url(Service.AUTH), Service.PAYMENT.module(),
                stack.clientSecret(Service.PAYMENT));
        WalletClient walletOpener = new WalletClient(http, stack.url(Service.WALLET), opener);
        WalletClient wallet = new WalletClient(http, stack.url(Service.WALLET), payments);
        String funding = wallet.fundingClearingAccount();
        Parallel.run(customers.count(), parallelism, n -> {
            String account = walletOpener.customerAccount(customers.subject(n));
            HttpResponse<String> topUp = wallet.transfer("topup", "bench-fund-" + customers.subject(n), funding,
                    account,
                    fundingYen);
            if (topUp.statusCode() != 201) {
                throw WalletClient.unexpected(topUp);
            }
            return null;
        });
    }

    /** Polls wallet-service (as payment-service reads it) until every merchant has its account. */
    private void awaitLedgerAccounts(List<String> merchants) throws Exception {
        ServiceToken reader = new ServiceToken(http, stack.url(Service.AUTH), Service.PAYMENT.module(),
                stack.clientSecret(Service.PAYMENT));
        URI wallet = stack.url(Service.WALLET);
        awaitEach(merchants.size(), n -> {
            HttpResponse<String> answer = send(HttpRequest.newBuilder(wallet.resolve(
                    "/v1/internal/accounts/merchants/" + merchants.get(n))).timeout(REQUEST_TIMEOUT)
                    .header("Authorization", reader.authorization()).GET().build());
            expect(answer, 200);
            return answer.body().contains("\"id\"");
        }, n -> "merchant " + merchants.get(n) + " has no ledger account");
    }

    /**
     * Polls {@code done} for items 0..count-1 ({@link #parallelism} at once) until each is true; an item still not
     * done {@link #OUTBOX_WAIT} after the first poll fails the run with {@code late}'s words: what payment-service's
     * outbox did not deliver.
     */
    private void awaitEach(int count, Parallel.Step<Boolean> done, IntFunction<String> late) throws Exception {
        long deadline = System.nanoTime() + OUTBOX_WAIT.toNanos();
        Parallel.run(count, parallelism, n -> {
            while (!done.run(n)) {
                if (System.nanoTime() > deadline) {
                    throw new BenchmarkException(late.apply(n) + " " + OUTBOX_WAIT.toSeconds() + " s after its"
                            + " approval: is payment-service's outbox relay running? (see its log)");
                }
                Thread.sleep(200);
            }
            return null;
        });
    }

    private static String tills(Merchant merchant) {
        return "/v1/me/merchants/" + merchant.id() + "/tills";
    }

    private static HttpRequest.Builder post(URI uri, String authorization, String json) {
        return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void expect(HttpResponse<String> answer, int... statuses) {
        for (int status : statuses) {
            if (answer.statusCode() == status) {
                return;
            }
        }
        HttpRequest request = answer.request();
        throw new BenchmarkException(request.method() + " " + request.uri().getPath() + " answered "
                + answer.statusCode() + ": " + Json.abbreviate(answer.body(), 300));
    }
}
