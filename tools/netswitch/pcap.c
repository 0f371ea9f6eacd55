/*
 * pcap.c: the capture file, in the classic libpcap format (magic a1b2c3d4,
 * version 2.4, microsecond timestamps, linktype 1 = Ethernet), readable by
 * tcpdump, tshark and Wireshark. Records are written through stdio and
 * flushed once per event-loop turn, so the file on disk trails by at most
 * one turn; `pcap stop` and exit flush and close it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "netswitch.h"

struct pcap_hdr {
    uint32_t magic;
    uint16_t major, minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec {
    uint32_t sec, usec, caplen, len;
};

/* Open path for capture (truncating it); returns 0 or -errno. */
int pcap_start(struct sw *sw, const char *path, bool tx)
{
    if (strlen(path) >= sizeof sw->pcap_path)
        return -ENAMETOOLONG;
    FILE *fp = fopen(path, "wbe");
    if (!fp)
        return -errno;
    struct pcap_hdr h = {
        .magic = 0xa1b2c3d4, .major = 2, .minor = 4, .snaplen = NSW_FRAME_MAX, .linktype = 1};
    if (fwrite(&h, sizeof h, 1, fp) != 1 || fflush(fp) != 0) {
        int e = errno ? errno : EIO;
        fclose(fp);
        return -e;
    }
    pcap_stop(sw);
    sw->pcap = fp;
    sw->pcap_tx = tx;
    sw->pcap_frames = 0;
    strcpy(sw->pcap_path, path);
    return 0;
}

void pcap_stop(struct sw *sw)
{
    if (!sw->pcap)
        return;
    fclose(sw->pcap);
    sw->pcap = NULL;
}

void pcap_write(struct sw *sw, const struct frame *f)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct pcap_rec r = {.sec = (uint32_t)ts.tv_sec,
                         .usec = (uint32_t)(ts.tv_nsec / 1000),
                         .caplen = f->len,
                         .len = f->len};
    if (fwrite(&r, sizeof r, 1, sw->pcap) != 1 ||
        (f->len > 0 && fwrite(f->data, f->len, 1, sw->pcap) != 1)) {
        /* Disk full or similar: stop capturing rather than write a torn file. */
        fprintf(stderr, "netswitch: pcap write to %s failed, capture stopped\n", sw->pcap_path);
        pcap_stop(sw);
        return;
    }
    sw->pcap_frames++;
}

void pcap_flush(struct sw *sw)
{
    if (sw->pcap)
        fflush(sw->pcap);
}
