/* process: being written. */
