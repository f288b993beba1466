/* state: being written. */
