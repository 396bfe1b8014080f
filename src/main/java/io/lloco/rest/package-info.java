/** REST handlers; each one parses strictly and forwards to a transport action. */
package io.lloco.rest;
