package hudson.slaves;

/**
 * Stand-in for {@code hudson.slaves.OfflineCause} (docs/jenkins-api.md §24): a
 * {@code UserCause}'s {@code toString()} is {@code Disconnected by USER : MESSAGE} (the words
 * before the user in the controller's language), and {@code getMessage()} is the message
 * HTML-escaped.
 */
public abstract class OfflineCause {
    private final long timestamp = System.currentTimeMillis();

    public long getTimestamp() {
        return timestamp;
    }

    public static class SimpleOfflineCause extends OfflineCause {
        private final String description;

        /** Harness: Jenkins' takes a {@code Localizable}. */
        protected SimpleOfflineCause(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    public static class UserCause extends SimpleOfflineCause {
        private final String message;

        /** Harness: private in Jenkins, which reaches it from {@code UserCause(User, String)}. */
        public UserCause(String userId, String message) {
            super("Disconnected by " + userId + (message != null ? " : " + message : ""));
            this.message = message;
        }

        public String getMessage() {
            return message == null ? null : message.replace("&", "&amp;").replace("<", "&lt;")
                    .replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#039;");
        }
    }
}
