package hudson;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stand-in for {@code hudson.ExtensionList} (docs/jenkins-api.md §19): one list per extension
 * point, copied on every change like Jenkins' {@code addSync}/{@code removeSync}, so a listener
 * notification iterating a snapshot never sees a half-made change.
 */
public class ExtensionList<T> extends AbstractList<T> {
    private static final Map<Class<?>, ExtensionList<?>> LISTS = new ConcurrentHashMap<>();

    private volatile List<T> extensions = new ArrayList<>();

    @SuppressWarnings("unchecked")
    public static <T> ExtensionList<T> lookup(Class<T> type) {
        return (ExtensionList<T>) LISTS.computeIfAbsent(type, t -> new ExtensionList<>());
    }

    @Override
    public Iterator<T> iterator() {
        return java.util.Collections.unmodifiableList(extensions).iterator();
    }

    @Override
    public T get(int index) {
        return extensions.get(index);
    }

    @Override
    public int size() {
        return extensions.size();
    }

    @Override
    @Deprecated
    public synchronized boolean add(T t) {
        List<T> copy = new ArrayList<>(extensions);
        copy.add(t);
        extensions = copy;
        return true;
    }

    @Override
    public synchronized boolean remove(Object o) {
        List<T> copy = new ArrayList<>(extensions);
        boolean removed = copy.remove(o);
        extensions = copy;
        return removed;
    }
}
