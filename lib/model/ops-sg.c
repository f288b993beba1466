/* ops-sg: being written. */
