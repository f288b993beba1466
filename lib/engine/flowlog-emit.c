/* flowlog-emit: being written. */
