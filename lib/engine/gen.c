/* gen: being written. */
