// Decides three orders through pactum's HTTP sidecar (`pactum serve`) with the JDK's own
// HTTP client, no third-party jars: a clean sale (accept), a sale 10% below list price
// (hold) and a record that is not one (reject). Prints each verdict; exits 1 when a verdict
// is not the expected one, 2 when the sidecar cannot be reached or answers with an error.
//
//   pactum serve &                      # listens on http://127.0.0.1:8910
//   java examples/java/DecideOrders.java [URL]
//
// URL is the sidecar's base URL: the first argument, else $PACTUM_URL, else
// http://127.0.0.1:8910. Java 11 or later (single-file launch: no javac needed).

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DecideOrders {
    /** A dealer's sale at list price, with its purchase order: nothing to hold. */
    static final String CLEAN = "{\"id\": \"S-0401\", \"kind\": \"sale\", \"date\": \"2026-01-05\","
        + " \"partner\": \"P-DE-04\", \"customer\": \"C-12\", \"lines\": ["
        + "{\"sku\": \"SEAL-200\", \"qty\": 4, \"unit_price\": \"90.00\", \"currency\": \"USD\", \"source\": \"oem\"},"
        + "{\"sku\": \"FILTER-5\", \"qty\": 10, \"unit_price\": \"25.00\", \"currency\": \"USD\", \"source\": \"oem\"}],"
        + " \"documents\": [{\"kind\": \"purchase_order\", \"ref\": \"PO-4401\", \"signed\": true}]}";

    /** A systems integrator reselling seals 10% below list price: price.min-list holds it. */
    static final String UNDERCUT = "{\"id\": \"S-0402\", \"kind\": \"sale\", \"date\": \"2026-03-14\","
        + " \"partner\": \"P-SI-07\", \"lines\": ["
        + "{\"sku\": \"SEAL-200\", \"qty\": 4, \"unit_price\": \"81.00\", \"currency\": \"USD\", \"source\": \"oem\"}],"
        + " \"documents\": [{\"kind\": \"purchase_order\"}]}";

    /** JSON, but no record (an id must be text): rejected, and the decision says why. */
    static final String GARBAGE = "{\"id\": 5, \"kind\": \"banana\"}";

    static final Pattern VERDICT = Pattern.compile("\"verdict\"\\s*:\\s*\"([a-z]+)\"");
    static final Pattern DECISION_ID = Pattern.compile("\"decision_id\"\\s*:\\s*\"([^\"]+)\"");

    public static void main(String[] args) throws InterruptedException {
        String base = args.length > 0 ? args[0] : System.getenv().getOrDefault("PACTUM_URL", "http://127.0.0.1:8910");
        base = base.replaceAll("/+$", "");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        String[][] orders = {
            {"clean sale", CLEAN, "accept"},
            {"sale 10% below list", UNDERCUT, "hold"},
            {"not a record", GARBAGE, "reject"},
        };
        int wrong = 0;
        for (String[] order : orders) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/decide"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(order[1]))
                .build();
            HttpResponse<String> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                System.err.println("error: cannot reach the sidecar at " + base + ": " + e);
                System.exit(2);
                return;
            }
            // 200 for every verdict, reject included; 400 (not JSON) and 413 (too large)
            // carry {"error": "..."}.
            if (response.statusCode() != 200) {
                System.err.println("error: " + order[0] + ": HTTP " + response.statusCode() + ": " + response.body());
                System.exit(2);
            }
            String verdict = group(VERDICT, response.body());
            String id = group(DECISION_ID, response.body());
            boolean ok = order[2].equals(verdict);
            System.out.printf("%-20s %-7s (decision %s)%s%n", order[0], verdict, id,
                ok ? "" : "  expected " + order[2]);
            if (!ok) {
                wrong++;
            }
        }
        System.exit(wrong == 0 ? 0 : 1);
    }

    static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? m.group(1) : "?";
    }
}
