package io.kessai.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart helm/kessai as the tests see it: rendered by helm-java's embedded Helm for one Kubernetes version, read
 * back as typed fabric8 objects, with the values files it ships.
 */
final class Chart {

    static final Path REPOSITORY = Path.of(System.getProperty("kessai.repository", "..")).toAbsolutePath().normalize();
    static final Path DIRECTORY = REPOSITORY.resolve("helm/kessai");
    static final Path PRODUCTION_VALUES = DIRECTORY.resolve("values-production.yaml");
    /** The release name of every render, and so of k8s/ (objects are named kessai-<service>). */
    static final String RELEASE = "kessai";
    static final String KUBE_VERSION = System.getProperty("kessai.deploy.kube-version", "v1.30.0");

    /** Values key of each service, in the chart's order, with the name its objects carry. */
    static final Map<String, String> SERVICES = new LinkedHashMap<>();
    static {
        SERVICES.put("auth", "auth-service");
        SERVICES.put("wallet", "wallet-service");
        SERVICES.put("payment", "payment-service");
        SERVICES.put("notification", "notification-service");
    }

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final Map<String, String> RENDERS = new ConcurrentHashMap<>();

    private Chart() {
    }

    /** The chart rendered with its default values. */
    static String renderDefault() {
        return RENDERS.computeIfAbsent("default", k -> render(List.of(), Map.of()));
    }

    /** The chart rendered with values-production.yaml. */
    static String renderProduction() {
        return RENDERS.computeIfAbsent("production", k -> render(List.of(PRODUCTION_VALUES), Map.of()));
    }

    /** Renders with values files and --set values; fails as Helm does (a schema violation, a template's fail). */
    static String render(List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIRECTORY).template().withName(RELEASE).withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /** The rendered YAML documents, without Helm's empty ones. */
    static List<String> documents(String rendered) {
        List<String> documents = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(rendered)) {
            if (!document.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("#"))) {
                documents.add(document);
            }
        }
        return documents;
    }

    /** Every rendered document as a typed Kubernetes object. */
    static List<HasMetadata> objects(String rendered) {
        return documents(rendered).stream().map(document -> SERIALIZATION.<HasMetadata>unmarshal(document)).toList();
    }

    static <T extends HasMetadata> List<T> objects(String rendered, Class<T> kind) {
        return objects(rendered).stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static <T extends HasMetadata> T object(String rendered, Class<T> kind, String name) {
        return objects(rendered, kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name + " rendered"));
    }

    /** The objects' name for a service, e.g. kessai-auth-service. */
    static String nameOf(String serviceKey) {
        return RELEASE + "-" + SERVICES.get(serviceKey);
    }

    static JsonNode defaultValues() {
        return yaml(DIRECTORY.resolve("values.yaml"));
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static boolean isGeneric(HasMetadata object) {
        return object instanceof GenericKubernetesResource;
    }

    /**
     * The paths (e.g. {@code spec.template.spec.containers[0].foo}) of fields that the typed model did not know: fabric8
     * keeps them in {@code additionalProperties} instead of failing, so a misspelt or misplaced field shows here.
     */
    static List<String> unknownFields(Object object) {
        List<String> unknown = new ArrayList<>();
        collectUnknown(object, "", unknown);
        return unknown;
    }

    private static void collectUnknown(Object value, String path, List<String> unknown) {
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
            if (value instanceof Collection<?> items) {
                int i = 0;
                for (Object item : items) {
                    collectUnknown(item, path + "[" + i++ + "]", unknown);
                }
            } else if (value instanceof Map<?, ?> map) {
                map.forEach((key, item) -> collectUnknown(item, path + "." + key, unknown));
            }
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(key -> unknown.add(path + "." + key));
                }
            } else {
                collectUnknown(field, path + "." + propertyName(getter.getName()), unknown);
            }
        }
    }

    private static String propertyName(String getter) {
        String name = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
