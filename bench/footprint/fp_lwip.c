/*
 * fp_lwip.c - the lwIP share of the footprint comparison
 * (bench/footprint/footprint.sh): what a NO_SYS=1 device with one
 * Ethernet interface reaches for a gRPC connection: DHCP, DNS, ARP, a TCP
 * client connection and a listening TCP server, the raw API callbacks
 * a port driver uses, the timers.  Linked with fp_port.c; lwIP's options
 * are bench/footprint/lwip/lwipopts.h.
 */
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

static volatile uint32_t fp_sink;
static const uint8_t *volatile fp_frame;
static volatile uint16_t fp_frame_len;
static struct netif nif;
void fp_common(void);

unsigned fp_lwip_rand(void)
{
    return fp_sink * 1103515245u + 12345u;
}

u32_t sys_now(void)
{
    return fp_sink;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
    (void)n;
    fp_sink += p->tot_len;
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    n->linkoutput = link_output;
    n->output = etharp_output;
    n->mtu = 1500;
    n->hwaddr_len = 6;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL)
        return tcp_close(pcb);
    for (struct pbuf *q = p; q != NULL; q = q->next)
        fp_sink += ((const uint8_t *)q->payload)[0];
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    fp_sink += len;
    return tcp_write(pcb, "x", 1, TCP_WRITE_FLAG_COPY);
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    fp_sink += (uint32_t)err;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    tcp_write(pcb, "PRI", 3, TCP_WRITE_FLAG_COPY);
    return tcp_output(pcb);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    return ERR_OK;
}

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)name;
    (void)arg;
    fp_sink += addr ? ip4_addr_get_u32(addr) : 0u;
}

int main(void)
{
    struct tcp_pcb *pcb, *lpcb;
    ip_addr_t addr;
    struct pbuf *p;

    fp_common();
    lwip_init();
    netif_add(&nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, nif_init, ethernet_input);
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    dhcp_start(&nif);
    dns_gethostbyname("grpc.local", &addr, on_dns, NULL);

    pcb = tcp_new();
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb);
    tcp_connect(pcb, &addr, 50051, on_connected);

    lpcb = tcp_new();
    tcp_bind(lpcb, IP_ANY_TYPE, 50051);
    lpcb = tcp_listen(lpcb);
    tcp_accept(lpcb, on_accept);

    p = pbuf_alloc(PBUF_RAW, fp_frame_len, PBUF_POOL);
    if (p != NULL) {
        pbuf_take(p, fp_frame, fp_frame_len);
        if (nif.input(p, &nif) != ERR_OK)
            pbuf_free(p);
    }
    sys_check_timeouts();
    tcp_abort(pcb);
    return (int)(fp_sink & 1u);
}
