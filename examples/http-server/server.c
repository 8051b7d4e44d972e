/*
 * A tiny HTTP server: answers every request with "hello from skiff".
 * Listens on 0.0.0.0:8080 (or the port in $PORT).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char body[] = "hello from skiff\n";

int main(void) {
  const char *port_text = getenv("PORT");
  int port = port_text ? atoi(port_text) : 8080;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in addr;

  if (fd < 0) {
    perror("socket");
    return 1;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(port);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      listen(fd, 16) < 0) {
    perror("bind/listen");
    return 1;
  }
  printf("listening on 0.0.0.0:%d\n", port);
  fflush(stdout);

  for (;;) {
    char req[4096];
    char head[256];
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    /* One read is enough for the request line; the rest is ignored. */
    if (read(c, req, sizeof(req)) > 0) {
      int n = snprintf(head, sizeof(head),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       sizeof(body) - 1);
      write(c, head, n);
      write(c, body, sizeof(body) - 1);
    }
    close(c);
  }
}
