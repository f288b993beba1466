/* nat: being written. */
