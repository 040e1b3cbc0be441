package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** Every value is documented with {@code ## @param}, and the chart README's parameter table is those lines. */
class ParametersTableTest {

    private static final Path VALUES = Chart.DIRECTORY.resolve("values.yaml");
    private static final Path README = Chart.DIRECTORY.resolve("README.md");
    private static final String START = "<!-- parameters:start (generated from values.yaml's ## @param lines; ParametersTableTest checks it) -->";
    private static final String END = "<!-- parameters:end -->";
    private static final Pattern PARAM = Pattern.compile("^\\s*## @param (\\S+) (.+)$");
    private static final Pattern SECTION = Pattern.compile("^\\s*## @section (.+)$");
    /** Maps whose keys are the user's (labels, selectors, a behavior): documented as a whole. */
    private static final Pattern FREE_FORM = Pattern.compile(
            "(^|\\.)(commonLabels|annotations|podAnnotations|podLabels|nodeSelector|affinity|labels|namespaceSelector|podSelector|behavior)$");

    @Test
    void everyValueIsDocumentedAndEveryParameterExists() throws IOException {
        Map<String, String> params = params();
        JsonNode values = Chart.defaultValues();
        List<String> undocumented = new ArrayList<>();
        leaves(values, "", undocumented, params);
        assertEquals(List.of(), undocumented, "values without ## @param");
        List<String> unknown = params.keySet().stream()
                .filter(p -> values.at("/" + p.replace('.', '/')).isMissingNode())
                .toList();
        assertEquals(List.of(), unknown, "## @param lines naming no value");
    }

    @Test
    void readmeTableEqualsTheParamLines() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        assertTrue(start >= 0 && end > start, "README.md has no " + START + " ... " + END + " block");
        String expected = readme.substring(0, start) + START + "\n" + table() + END
                + readme.substring(end + END.length());
        Regeneration.check(README, expected);
    }

    private static String table() throws IOException {
        JsonNode values = Chart.defaultValues();
        Map<String, String> params = params();
        StringBuilder table = new StringBuilder();
        for (String line : Files.readAllLines(VALUES)) {
            Matcher section = SECTION.matcher(line);
            Matcher param = PARAM.matcher(line);
            if (section.matches()) {
                table.append("\n### ").append(section.group(1))
                        .append("\n\n| Name | Description | Value |\n|---|---|---|\n");
            } else if (param.matches()) {
                String name = param.group(1);
                JsonNode value = values.at("/" + name.replace('.', '/'));
                boolean hasChildren = params.keySet().stream().anyMatch(p -> p.startsWith(name + "."));
                table.append("| `").append(name).append("` | ")
                        .append(param.group(2).replace("|", "\\|").replace("<", "&lt;")).append(" | ")
                        .append(hasChildren ? "" : "`" + value.toString().replace("|", "\\|") + "`").append(" |\n");
            }
        }
        return table.append('\n').toString();
    }

    private static Map<String, String> params() throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        for (String line : Files.readAllLines(VALUES)) {
            Matcher param = PARAM.matcher(line);
            if (param.matches()) {
                params.put(param.group(1), param.group(2));
            }
        }
        return params;
    }

    private static void leaves(JsonNode node, String path, List<String> undocumented, Map<String, String> params) {
        if (node.isObject() && !node.isEmpty() && !FREE_FORM.matcher(path).find()) {
            for (var field : node.properties()) {
                leaves(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), undocumented,
                        params);
            }
        } else if (!params.containsKey(path)) {
            undocumented.add(path);
        }
    }
}
