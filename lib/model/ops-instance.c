/* ops-instance: being written. */
