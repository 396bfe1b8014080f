package io.lloco;

import org.opensearch.plugins.Plugin;

public class LlocoPlugin extends Plugin {}
