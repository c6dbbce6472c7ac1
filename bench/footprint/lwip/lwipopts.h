/*
 * lwipopts.h - lwIP as a small device would configure it for the
 * footprint comparison (bench/footprint/footprint.sh): NO_SYS=1 (raw API,
 * main loop), IPv4 with ARP, ICMP, DHCP and DNS, TCP client and server,
 * no sockets or netconn, no statistics.  The same lwIP image is charged to
 * both stacks: lwgrpc's lwIP port and an nghttp2 device both sit on it.
 */
#ifndef BENCH_LWIPOPTS_H
#define BENCH_LWIPOPTS_H
#define NO_SYS                  1
#define SYS_LIGHTWEIGHT_PROT    0
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define LWIP_IPV4               1
#define LWIP_IPV6               0
#define LWIP_ARP                1
#define LWIP_ETHERNET           1
#define LWIP_ICMP               1
#define LWIP_UDP                1
#define LWIP_TCP                1
#define LWIP_DHCP               1
#define LWIP_DNS                1
#define LWIP_STATS              0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define MEM_ALIGNMENT           4
#define MEM_SIZE                (8 * 1024)
#define MEMP_NUM_PBUF           8
#define MEMP_NUM_TCP_PCB        4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG        16
#define PBUF_POOL_SIZE          8
#define TCP_MSS                 1460
#define TCP_WND                 (4 * TCP_MSS)
#define TCP_SND_BUF             (4 * TCP_MSS)
#define TCP_SND_QUEUELEN        (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_RAND()             ((u32_t)fp_lwip_rand())
unsigned fp_lwip_rand(void);
#endif
