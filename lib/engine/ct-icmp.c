/* ct-icmp: being written. */
