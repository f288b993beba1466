/* ct-tcp: being written. */
