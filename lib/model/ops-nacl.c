/* ops-nacl: being written. */
