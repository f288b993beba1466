/* ops-vpc: being written. */
