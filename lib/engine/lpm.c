/* lpm: being written. */
