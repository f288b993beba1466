/* flowlog: being written. */
