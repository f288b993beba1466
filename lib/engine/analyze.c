/* analyze: being written. */
