/* ct-udp: being written. */
