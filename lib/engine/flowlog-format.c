/* flowlog-format: being written. */
