package hudson.model.labels;

import hudson.model.Label;

/**
 * Stand-in for {@code hudson.model.labels.LabelAtom}: a single label, such as a node's self label
 * (docs/jenkins-api.md §19).
 */
public class LabelAtom extends Label {
    public LabelAtom(String name) {
        super(name);
    }

    @Override
    public String getExpression() {
        return escape(name);
    }

    /** Quotes names Jenkins would quote: those {@code checkGoodName} refuses, or with blanks. */
    public static String escape(String name) {
        for (char ch : name.toCharArray()) {
            if ("?*/\\%!@#$^&|<>[]:; ()\t\n".indexOf(ch) != -1) {
                return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            }
        }
        return name;
    }
}
