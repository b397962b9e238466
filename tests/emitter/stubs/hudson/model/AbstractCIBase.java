package hudson.model;

/** Stand-in for {@code hudson.model.AbstractCIBase}: what makes {@code Jenkins} a {@link Node}. */
public abstract class AbstractCIBase extends Node {}
