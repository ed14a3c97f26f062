/** Where a virtual node sees its data disks, shared folders and (on the head) the cluster's state folder. */
export const DATA_DISK_MOUNT = '/mnt/cloudtik/data_disk_';
export const DATA_DIR_MOUNT = '/cloudtik/data';
export const STATE_MOUNT = '/cloudtik/state';
